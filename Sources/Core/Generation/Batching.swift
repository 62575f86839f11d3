/// When a decoding slot that a finished sequence left is filled again (Generator).
public enum Batching: String, CaseIterable, Sendable {
    /// At once, with the next sequence: throughput does not fall to the longest row's pace.
    case continuous
    /// Only when every slot of the batch is free: batches run one after the other.
    case `static`
}
