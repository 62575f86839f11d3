/// The products the reviews task writes about: 8 categories of 6 single-word items.
/// Single words keep "is the item named?" a plain word test, and no item word doubles as
/// a lexicon or template word, so naming an item never changes its sentiment.
public enum ReviewsCatalogue {
    public static let categories: [(name: String, items: [String])] = [
        ("kitchen", ["blender", "toaster", "kettle", "mixer", "skillet", "juicer"]),
        ("electronics", ["headset", "speaker", "keyboard", "monitor", "charger", "camera"]),
        ("outdoor", ["tent", "backpack", "lantern", "hammock", "compass", "cooler"]),
        ("home", ["lamp", "pillow", "blanket", "rug", "mirror", "clock"]),
        ("tools", ["drill", "hammer", "wrench", "ladder", "saw", "toolbox"]),
        ("clothing", ["jacket", "sweater", "scarf", "raincoat", "hoodie", "belt"]),
        ("toys", ["puzzle", "kite", "robot", "doll", "drone", "skateboard"]),
        ("office", ["stapler", "notebook", "chair", "desk", "printer", "pen"]),
    ]

    public static var allItems: [String] { categories.flatMap(\.items) }

    public static func category(of item: String) -> String? {
        categories.first(where: { $0.items.contains(item) })?.name
    }

    /// One item per category is held out of every training file, so evaluation can ask
    /// whether what was learned carries over to products never seen in training. Which one
    /// depends on the seed; one per category keeps every category in both sets.
    public static func heldOut(seed: UInt64) -> [String] {
        var rng = SynthRandom(seed: seed, stream: 1)
        return categories.map { $0.items[rng.below($0.items.count)] }
    }
}
