/// Token embedding lookup and its scatter-add backward. `vocab` is the table's row count: an
/// id outside it (a tokenizer bigger than the model, a corrupt cache) stops the process
/// instead of reading or writing another tensor's memory.
public enum Embedding {
    public static func forward(ids: UnsafePointer<Int32>, table: UnsafePointer<Float>, vocab: Int,
                               out: UnsafeMutablePointer<Float>, rows: Int, dim: Int) {
        for r in 0..<rows {
            let id = Int(ids[r])
            precondition(id >= 0 && id < vocab, "token id \(id) outside the embedding table [0, \(vocab))")
            (out + r * dim).update(from: table + id * dim, count: dim)
        }
    }

    public static func backward(ids: UnsafePointer<Int32>, dout: UnsafePointer<Float>, dtable: UnsafeMutablePointer<Float>,
                                vocab: Int, rows: Int, dim: Int) {
        for r in 0..<rows {
            let id = Int(ids[r])
            precondition(id >= 0 && id < vocab, "token id \(id) outside the embedding table [0, \(vocab))")
            let d = dtable + id * dim
            let s = dout + r * dim
            for i in 0..<dim { d[i] += s[i] }
        }
    }
}
