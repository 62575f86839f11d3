import Foundation

/// Learning-rate schedules as transformers' get_*_schedule_with_warmup define them:
/// the rate used for optimizer step s (0-based) is lr · factor(s).
public enum LRScheduleKind: String, CaseIterable { case constant, linear, cosine }

public struct LRSchedule {
    public let kind: LRScheduleKind, peak: Double, warmupSteps: Int, totalSteps: Int
    public init(kind: LRScheduleKind, peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind; self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step) / Double(max(1, warmupSteps)) }
        let span = Double(max(1, totalSteps - warmupSteps))
        let progress = min(1, Double(step - warmupSteps) / span)
        switch kind {
        case .constant: return peak
        case .linear: return peak * max(0, 1 - progress)
        case .cosine: return peak * max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
