/// 16-bit float formats found in checkpoints, widened to Float by bit
/// manipulation so the result is the same on every platform (Float16 is not
/// available everywhere Swift runs).
public enum HalfFloat {
    /// IEEE 754 binary16 -> binary32, exact for every input including subnormals, inf and NaN.
    @inline(__always)
    public static func float(fromF16 h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)  // inf / NaN (payload kept)
        }
        if exponent != 0 {
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
        if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
        // Subnormal: shift until the implicit bit appears, adjusting the exponent.
        var e: UInt32 = 113
        while mantissa & 0x400 == 0 {
            mantissa <<= 1
            e -= 1
        }
        return Float(bitPattern: sign | e << 23 | (mantissa & 0x3FF) << 13)
    }

    /// bfloat16 is the top half of a binary32, so widening is a shift.
    @inline(__always)
    public static func float(fromBF16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Round-to-nearest-even narrowing, used when writing bf16 test data.
    public static func bf16Bits(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }  // stay NaN after truncation
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    /// Converts `count` little-endian F16 values at a possibly unaligned address.
    public static func convertF16(_ src: UnsafeRawPointer, to dst: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count {
            dst[k] = float(fromF16: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
        }
    }

    public static func convertBF16(_ src: UnsafeRawPointer, to dst: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count {
            dst[k] = float(fromBF16: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
        }
    }
}
