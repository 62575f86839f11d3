/// Token embedding lookup and its scatter-add backward. `vocab` is the table's row count: an
/// id outside it (a tokenizer bigger than the model, a corrupt cache) stops the process
/// instead of reading or writing another tensor's memory.
public enum Embedding {
    /// The table is a WeightMatrix: f32, or a half copy whose rows are widened as looked up.
    public static func forward(ids: UnsafePointer<Int32>, table: WeightMatrix, out: UnsafeMutablePointer<Float>, rows: Int) {
        for r in 0..<rows {
            let id = Int(ids[r])
            precondition(id >= 0 && id < table.rows, "token id \(id) outside the embedding table [0, \(table.rows))")
            table.row(id, into: out + r * table.cols)
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
