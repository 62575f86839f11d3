import Foundation

/// The functions every template can call: jinja2's defaults (`range`, `dict`, `namespace`)
/// plus transformers' `raise_exception` and `strftime_now`. Context variables shadow them.
enum Globals {
    static let names: Set<String> = ["raise_exception", "strftime_now", "namespace", "range", "dict"]
    /// jinja2's other globals, refused by name when called.
    static let unsupported: Set<String> = ["cycler", "joiner", "lipsum"]

    static func lookup(_ name: String) -> JinjaValue? {
        names.contains(name) || unsupported.contains(name) ? .callable(JinjaCallable(kind: .global(name))) : nil
    }

    static func call(_ name: String, _ args: CallArgs, _ ev: Evaluator) throws -> JinjaValue {
        switch name {
        case "raise_exception":
            let a = try args.bind(name, ["message"])
            throw ValueError(a[0]?.pythonString ?? "", kind: .raised)
        case "strftime_now":
            let a = try args.bind(name, ["format"])
            guard let f = a[0] else { throw ValueError("strftime_now() missing 1 required positional argument: 'format'") }
            return .string(try strftime(try f.stringArg("format"), ev.options.now ?? JinjaDate.now()))
        case "namespace":
            // namespace({'a': 1}, b=2): a mapping positional, then keywords.
            var attrs = JinjaObject()
            for p in args.positional {
                guard case .object(let o) = p else { throw ValueError("namespace() positional argument must be a mapping") }
                for (k, v) in o.pairs { attrs[k] = v }
            }
            for (k, v) in args.keyword { attrs[k] = v }
            if let bad = attrs.keys.first(where: { $0.hasPrefix("_") }) {
                throw ValueError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(bad)'. Please rename the attribute.")
            }
            return .namespace(JinjaNamespace(attrs))
        case "dict":
            var o = JinjaObject()
            for p in args.positional {
                switch p {
                case .object(let src): for (k, v) in src.pairs { o[k] = v }
                case .array(let pairs):
                    for pair in pairs {
                        guard case .array(let kv) = pair, kv.count == 2, case .string(let k) = kv[0] else {
                            throw ValueError("dict() sequence elements must be (str, value) pairs")
                        }
                        o[k] = kv[1]
                    }
                default: throw ValueError("'\(p.typeName)' object is not iterable")
                }
            }
            for (k, v) in args.keyword { o[k] = v }
            return .object(o)
        case "range":
            guard args.keyword.isEmpty, (1...3).contains(args.positional.count) else {
                throw ValueError("range expected 1 to 3 integer arguments")
            }
            let n = try args.positional.map { try $0.intArg("range argument") }
            let (start, stop, step) = n.count == 1 ? (0, n[0], 1) : (n[0], n[1], n.count == 3 ? n[2] : 1)
            guard step != 0 else { throw ValueError("range() arg 3 must not be zero") }
            // jinja2's sandbox caps range at MAX_RANGE = 100000 items.
            let count = step > 0 ? (stop > start ? (stop - start - 1) / step + 1 : 0)
                                 : (start > stop ? (start - stop - 1) / (-step) + 1 : 0)
            guard count <= 100_000 else { throw ValueError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).") }
            return .array((0..<count).map { .int(start + $0 * step) })
        default:
            throw ValueError("unsupported global function '\(name)'", kind: .unsupported)
        }
    }
}

/// A wall-clock date and time for `strftime_now`, injectable so renders are reproducible.
public struct JinjaDate: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// Local time now, as Python's `datetime.now()`.
    public static func now() -> JinjaDate {
        let c = Calendar(identifier: .gregorian).dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
        return JinjaDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1,
                         hour: c.hour ?? 0, minute: c.minute ?? 0, second: c.second ?? 0)
    }

    /// 0 = Monday ... 6 = Sunday (Python's weekday()).
    var weekday: Int {
        // days since 1970-01-01 (a Thursday), proleptic Gregorian
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days % 7) + 7 + 3) % 7
    }

    var dayOfYear: Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return cumulative[max(0, min(11, month - 1))] + day + (leap && month > 2 ? 1 : 0)
    }
}

/// C-locale strftime for the directives chat templates use (glibc's `%-d` style too).
func strftime(_ format: String, _ d: JinjaDate) throws -> String {
    let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
    let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    func pad(_ v: Int, _ w: Int, _ noPad: Bool) -> String {
        let s = String(v)
        return noPad ? s : String(repeating: "0", count: max(0, w - s.count)) + s
    }
    var out = ""
    var it = Array(format)[...]
    while let c = it.popFirst() {
        guard c == "%", let n0 = it.popFirst() else { out.append(c); continue }
        var n = n0
        var noPad = false
        if n == "-", let m = it.popFirst() { noPad = true; n = m }
        let month = months[max(0, min(11, d.month - 1))]
        let hour12 = d.hour % 12 == 0 ? 12 : d.hour % 12
        switch n {
        case "Y": out += String(d.year)
        case "y": out += pad(d.year % 100, 2, noPad)
        case "m": out += pad(d.month, 2, noPad)
        case "d": out += pad(d.day, 2, noPad)
        case "e": out += noPad ? String(d.day) : (d.day < 10 ? " " : "") + String(d.day)
        case "H": out += pad(d.hour, 2, noPad)
        case "I": out += pad(hour12, 2, noPad)
        case "M": out += pad(d.minute, 2, noPad)
        case "S": out += pad(d.second, 2, noPad)
        case "p": out += d.hour < 12 ? "AM" : "PM"
        case "B": out += month
        case "b", "h": out += String(month.prefix(3))
        case "A": out += days[d.weekday]
        case "a": out += String(days[d.weekday].prefix(3))
        case "j": out += pad(d.dayOfYear, 3, noPad)
        case "F": out += "\(d.year)-\(pad(d.month, 2, false))-\(pad(d.day, 2, false))"
        case "T": out += "\(pad(d.hour, 2, false)):\(pad(d.minute, 2, false)):\(pad(d.second, 2, false))"
        case "D": out += "\(pad(d.month, 2, false))/\(pad(d.day, 2, false))/\(pad(d.year % 100, 2, false))"
        case "%": out += "%"
        default: throw ValueError("unsupported strftime directive '%\(n)'", kind: .unsupported)
        }
    }
    return out
}
