import Foundation

/// SIGINT/SIGTERM set a flag that the training loop checks at step boundaries, so an
/// interrupt ends with a checkpoint instead of a half-written one. A second SIGINT exits at once.
public enum StopSignal {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0
    nonisolated(unsafe) private static var installed = false

    public static var isRequested: Bool { requested != 0 }

    public static func install() {
        guard !installed else { return }
        installed = true
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopSignal.requested != 0 && sig == SIGINT { _exit(130) }
            StopSignal.requested = 1
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// For tests: ask for a stop as a signal would.
    public static func request() { requested = 1 }
    public static func reset() { requested = 0 }
}
