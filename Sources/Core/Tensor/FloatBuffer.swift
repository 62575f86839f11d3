/// An owned, 64-byte aligned block of Floats: parameters, gradients, activations.
/// A class so that views into it never copy; zeroed on allocation (large blocks lazily, by the
/// kernel: see PageMemory).
public final class FloatBuffer {
    public let count: Int
    public let ptr: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        let raw = PageMemory.allocate(bytes: max(1, count) * 4)
        ptr = raw.bindMemory(to: Float.self, capacity: max(1, count))
    }
    deinit { PageMemory.deallocate(UnsafeMutableRawPointer(ptr), bytes: max(1, count) * 4) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: ptr, count: count) }
    public func zero() { ptr.update(repeating: 0, count: count) }
    public subscript(i: Int) -> Float {
        get { ptr[i] }
        set { ptr[i] = newValue }
    }
    public func toArray() -> [Float] { Array(buffer) }
    public func copy(from other: FloatBuffer) { ptr.update(from: other.ptr, count: Swift.min(count, other.count)) }
}

/// Grows on demand and is reused across steps, so the hot loop never allocates.
public final class Scratch {
    public private(set) var buffer = FloatBuffer(count: 0)
    public init() {}
    public func get(_ count: Int) -> UnsafeMutablePointer<Float> {
        if buffer.count < count { buffer = FloatBuffer(count: count) }
        return buffer.ptr
    }
}
