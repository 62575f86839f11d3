/// PKU-SafeRLHF records carry two judgements of the same pair; this says which one decides
/// chosen and rejected.
public enum PKUPreference: String, CaseIterable, Sendable {
    case better
    case safer

    /// The record field that names the preferred response (0 or 1).
    var labelKey: String {
        switch self {
        case .better: return "better_response_id"
        case .safer: return "safer_response_id"
        }
    }
}
