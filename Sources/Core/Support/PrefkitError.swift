/// The one error type every Core routine throws: a message a user can act on.
/// Input problems name the file (and line, record or tensor) they were found in.
public struct PrefkitError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
