/// What a `Split`-like pre-tokenizer does with the pattern's matches, following HF's
/// `NormalizedString::split`: the text is first cut into alternating match and
/// non-match ranges that cover it, then regrouped by the behaviour.
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// A [start, end) range of the piece (UTF-8 offsets) and whether the pattern matched it.
    struct Span {
        var start: Int
        var end: Int
        var isMatch: Bool
    }

    /// The kept ranges, in order; empty ones are dropped as HF drops empty splits.
    func regroup(_ spans: [Span], invert: Bool) -> [Range<Int>] {
        var spans = spans
        if invert {
            for k in spans.indices {
                spans[k].isMatch.toggle()
            }
        }
        var kept: [Span] = []
        kept.reserveCapacity(spans.count)
        switch self {
        case .isolated:
            kept = spans.map { Span(start: $0.start, end: $0.end, isMatch: false) }
        case .removed:
            kept = spans
        case .contiguous:
            var previous = false
            for s in spans {
                if s.isMatch == previous, !kept.isEmpty {
                    kept[kept.count - 1].end = s.end
                } else {
                    kept.append(Span(start: s.start, end: s.end, isMatch: false))
                }
                previous = s.isMatch
            }
        case .mergedWithPrevious:
            var previous = false
            for s in spans {
                if s.isMatch && !previous, !kept.isEmpty {
                    kept[kept.count - 1].end = s.end
                } else {
                    kept.append(Span(start: s.start, end: s.end, isMatch: false))
                }
                previous = s.isMatch
            }
        case .mergedWithNext:
            var previous = false
            for s in spans.reversed() {
                if s.isMatch && !previous, !kept.isEmpty {
                    kept[kept.count - 1].start = s.start
                } else {
                    kept.append(Span(start: s.start, end: s.end, isMatch: false))
                }
                previous = s.isMatch
            }
            kept.reverse()
        }
        // `removed` keeps the match flag: matched spans are the ones dropped.
        return kept.filter { !$0.isMatch && $0.end > $0.start }.map { $0.start..<$0.end }
    }

    /// Match/non-match spans covering `count` bytes, given the matched ranges in order.
    static func spans(matches: [Range<Int>], count: Int) -> [Span] {
        var out: [Span] = []
        out.reserveCapacity(matches.count * 2 + 1)
        var at = 0
        for m in matches {
            if m.lowerBound > at {
                out.append(Span(start: at, end: m.lowerBound, isMatch: false))
            }
            out.append(Span(start: m.lowerBound, end: m.upperBound, isMatch: true))
            at = m.upperBound
        }
        if at < count {
            out.append(Span(start: at, end: count, isMatch: false))
        }
        return out
    }
}
