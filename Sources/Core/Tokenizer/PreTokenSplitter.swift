/// Splits text the way the Hugging Face `Split` pre-tokenizer (behaviour Isolated)
/// does with one of the known regexes: leftmost match, alternatives tried in order,
/// each alternative greedy with the backtracking a regex engine would do.
/// Works on parallel arrays of scalars and their ScalarClass flags.
struct PreTokenSplitter {
    let pattern: SplitPattern

    /// Calls `emit` with the [start, end) scalar range of each piece, in order.
    /// Every scalar lands in exactly one piece, so the pieces re-join to the input.
    func split(scalars: UnsafeBufferPointer<Unicode.Scalar>, classes: UnsafeBufferPointer<UInt8>,
               _ emit: (Int, Int) -> Void) {
        let n = scalars.count
        var i = 0
        while i < n {
            var end: Int
            switch pattern {
            case .gpt2: end = matchGPT2(scalars, classes, i, n)
            case .qwen2: end = matchQwen(scalars, classes, i, n, maxDigits: 1)
            case .llama3: end = matchQwen(scalars, classes, i, n, maxDigits: 3)
            }
            // No alternative matched (cannot happen for these patterns, whose classes
            // cover every scalar): keep the scalar as its own piece, as Isolated would.
            if end <= i { end = i + 1 }
            emit(i, end)
            i = end
        }
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive.
    @inline(__always)
    private func contraction(_ s: UnsafeBufferPointer<Unicode.Scalar>, _ i: Int, _ n: Int, ignoreCase: Bool) -> Int? {
        guard s[i] == "'", i + 1 < n else { return nil }
        func low(_ x: Unicode.Scalar) -> UInt32 {
            guard ignoreCase else { return x.value }
            if x.value >= 0x41 && x.value <= 0x5A { return x.value + 32 }
            if x.value == 0x17F { return 0x73 } // LATIN SMALL LETTER LONG S case-folds to "s"
            return x.value
        }
        let a = low(s[i + 1])
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: // s t m d
            return i + 2
        case 0x72, 0x76: // r v -> "re" "ve"
            if i + 2 < n && low(s[i + 2]) == 0x65 { return i + 3 }
        case 0x6C: // l -> "ll"
            if i + 2 < n && low(s[i + 2]) == 0x6C { return i + 3 }
        default:
            break
        }
        return nil
    }

    @inline(__always)
    private func run(_ c: UnsafeBufferPointer<UInt8>, from: Int, _ n: Int, _ flag: UInt8) -> Int {
        var j = from
        while j < n && c[j] & flag != 0 { j += 1 }
        return j
    }

    @inline(__always)
    private func otherRun(_ c: UnsafeBufferPointer<UInt8>, from: Int, _ n: Int) -> Int {
        var j = from
        while j < n && ScalarClass.isOther(c[j]) { j += 1 }
        return j
    }

    /// `\s*[\r\n]+|\s+(?!\S)|\s+` starting at a whitespace scalar.
    @inline(__always)
    private func whitespace(_ c: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int, newlineAlternative: Bool) -> Int {
        var j = i
        var lastNewline = -1
        while j < n && c[j] & ScalarClass.whitespace != 0 {
            if c[j] & ScalarClass.newline != 0 { lastNewline = j }
            j += 1
        }
        // \s*[\r\n]+ : greedy \s* backs off to the last line break in the run.
        if newlineAlternative && lastNewline >= 0 { return lastNewline + 1 }
        // \s+(?!\S) : the run, minus its last scalar when a non-space follows it,
        // so that scalar can prefix the next word.
        if j == n { return j }
        if j - 1 > i { return j - 1 }
        return j // \s+
    }

    private func matchGPT2(_ s: UnsafeBufferPointer<Unicode.Scalar>, _ c: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        if let e = contraction(s, i, n, ignoreCase: false) { return e }
        let ci = c[i]
        // " ?" only ever consumes U+0020, and only when the class after it matches.
        let start = ci & ScalarClass.space != 0 && i + 1 < n ? i + 1 : i
        let cs = c[start]
        if cs & ScalarClass.letter != 0 { return run(c, from: start, n, ScalarClass.letter) }   //  ?\p{L}+
        if cs & ScalarClass.number != 0 { return run(c, from: start, n, ScalarClass.number) }   //  ?\p{N}+
        if ScalarClass.isOther(cs) { return otherRun(c, from: start, n) }                       //  ?[^\s\p{L}\p{N}]+
        if ci & ScalarClass.whitespace != 0 { return whitespace(c, i, n, newlineAlternative: false) }
        return i + 1
    }

    private func matchQwen(_ s: UnsafeBufferPointer<Unicode.Scalar>, _ c: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int, maxDigits: Int) -> Int {
        if let e = contraction(s, i, n, ignoreCase: true) { return e }
        let ci = c[i]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if ci & ScalarClass.letter != 0 {
            return run(c, from: i, n, ScalarClass.letter)
        }
        if ci & (ScalarClass.number | ScalarClass.newline) == 0 && i + 1 < n && c[i + 1] & ScalarClass.letter != 0 {
            return run(c, from: i + 1, n, ScalarClass.letter)
        }
        // \p{N} or \p{N}{1,3}
        if ci & ScalarClass.number != 0 {
            var j = i + 1
            while j < n && j - i < maxDigits && c[j] & ScalarClass.number != 0 { j += 1 }
            return j
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var start = i
        if ci & ScalarClass.space != 0 && i + 1 < n && ScalarClass.isOther(c[i + 1]) { start = i + 1 }
        if ScalarClass.isOther(c[start]) {
            var j = otherRun(c, from: start, n)
            while j < n && c[j] & ScalarClass.newline != 0 { j += 1 }
            return j
        }
        if ci & ScalarClass.whitespace != 0 {
            return whitespace(c, i, n, newlineAlternative: true)
        }
        return i + 1
    }
}

extension PreTokenSplitter {
    /// The pieces of `text` as UTF-8 byte ranges (the matcher works on scalars).
    func byteRanges(of text: String) -> [Range<Int>] {
        var scalars: [Unicode.Scalar] = []
        var classes: [UInt8] = []
        var offsets: [Int] = []
        let count = text.utf8.count
        scalars.reserveCapacity(count)
        classes.reserveCapacity(count)
        offsets.reserveCapacity(count + 1)
        var off = 0
        for c in text.unicodeScalars {
            scalars.append(c)
            classes.append(ScalarClass.classify(c))
            offsets.append(off)
            off += UTF8.width(c)
        }
        offsets.append(off)
        var out: [Range<Int>] = []
        scalars.withUnsafeBufferPointer { sp in
            classes.withUnsafeBufferPointer { cp in
                split(scalars: sp, classes: cp) { a, b in
                    out.append(offsets[a]..<offsets[b])
                }
            }
        }
        return out
    }
}
