/// Token embedding lookup and its scatter-add backward.
public enum Embedding {
    public static func forward(ids: UnsafePointer<Int32>, table: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               rows: Int, dim: Int) {
        for r in 0..<rows { (out + r * dim).update(from: table + Int(ids[r]) * dim, count: dim) }
    }

    public static func backward(ids: UnsafePointer<Int32>, dout: UnsafePointer<Float>, dtable: UnsafeMutablePointer<Float>,
                                rows: Int, dim: Int) {
        for r in 0..<rows {
            let d = dtable + Int(ids[r]) * dim, s = dout + r * dim
            for i in 0..<dim { d[i] += s[i] }
        }
    }
}
