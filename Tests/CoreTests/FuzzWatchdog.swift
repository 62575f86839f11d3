import Foundation

/// A case that never returns cannot be timed from the thread running it; this thread ends
/// the process instead, naming the input, so a hang fails CI quickly instead of stalling it.
/// Sendable by its lock: every mutable field is read and written under it.
final class FuzzWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var armedAt: Date? = nil
    private var running = true

    init(limit: TimeInterval, lastCase: String) {
        let thread = Thread { [weak self] in
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                guard let self else { return }
                self.lock.lock()
                let armed = self.armedAt, alive = self.running
                self.lock.unlock()
                if !alive { return }
                if let armed, Date().timeIntervalSince(armed) > limit {
                    FileHandle.standardError.write(Data("fuzz: a case ran over \(limit) s; input kept as \(lastCase)\n".utf8))
                    exit(3)
                }
            }
        }
        thread.start()
    }

    func arm() { lock.lock(); armedAt = Date(); lock.unlock() }
    func disarm() { lock.lock(); armedAt = nil; lock.unlock() }
    func stop() { lock.lock(); running = false; lock.unlock() }
}
