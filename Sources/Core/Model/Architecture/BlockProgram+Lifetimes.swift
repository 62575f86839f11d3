/// When each value of a block program is first written and last read, so that a layer run
/// that keeps nothing for backward (inference) can let values share memory.
extension BlockProgram {
    /// Values a step reads.
    func inputs(_ step: Step) -> [Value] {
        switch step {
        case .rmsNorm(let x, _, _), .headNorm(let x, _, _, _), .linear(let x, _, _), .gated(let x, _):
            return [x]
        case .rope(let v):
            return [v]
        case .attention(let v, _):
            return [v]
        case .add(let a, let b, _):
            return [a, b]
        }
    }

    /// The value a step writes (rope rewrites its input in place: none new).
    func output(_ step: Step) -> Value? {
        switch step {
        case .rmsNorm(_, _, let out), .headNorm(_, _, _, let out), .linear(_, _, let out), .gated(_, let out):
            return out
        case .attention(_, let out), .add(_, _, let out):
            return out
        case .rope:
            return nil
        }
    }

    /// Offsets (in units of `tokens` floats per column) for every value when values that are
    /// no longer read give their space to later ones; and the total. The block output lives
    /// to the end of the layer (it is copied to the next layer's input).
    func sharedOffsets(columns: [Int]) -> (offsets: [Int], total: Int) {
        let count = widths.count
        var born = [Int](repeating: -1, count: count)
        var lastRead = [Int](repeating: -1, count: count)
        for (s, step) in steps.enumerated() {
            for v in inputs(step) { lastRead[v] = max(lastRead[v], s) }
            if let v = output(step) { born[v] = s }
        }
        lastRead[output] = steps.count
        var blocks: [(offset: Int, size: Int, freeAfter: Int)] = []
        var total = 0
        var offsets = [Int](repeating: 0, count: count)
        // Values in the order they are written; a block is reusable once its last reader has run
        // before the step that writes the new value (a step never writes over its own input).
        for v in (0..<count).sorted(by: { born[$0] < born[$1] }) {
            let need = columns[v]
            let fit = blocks.indices
                .filter { blocks[$0].freeAfter < born[v] && blocks[$0].size >= need }
                .min { blocks[$0].size < blocks[$1].size }
            if let b = fit {
                offsets[v] = blocks[b].offset
                blocks[b].freeAfter = lastRead[v]
            } else {
                offsets[v] = total
                blocks.append((total, need, lastRead[v]))
                total += need
            }
        }
        return (offsets, total)
    }
}
