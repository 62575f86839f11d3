import ArgumentParser
import CLISupport
import Core

/// One name of `--loss-type`: a pairwise loss of the DPO family, or `kto` (alone, unpaired data).
enum LossTypeName: ExpressibleByArgument, Equatable {
    case pairwise(DPOLossType)
    case kto

    init?(argument: String) {
        if argument == "kto" {
            self = .kto
            return
        }
        guard let t = DPOLossType(name: argument) else { return nil }
        self = .pairwise(t)
    }

    static var allValueStrings: [String] { DPOLossType.allCases.map(\.rawValue) + ["kto"] }

    var defaultValueDescription: String {
        switch self {
        case .pairwise(let t): return t.rawValue
        case .kto: return "kto"
        }
    }
}

/// The loss flags of `dpo-train train`, turned into the objective Core trains.
struct LossFlags: ParsableArguments {
    @Option(help: "Loss types, comma separated (kto alone: unpaired data).")
    var lossType = CommaSeparated<LossTypeName>([.pairwise(.sigmoid)])
    @Option(help: "Weights of the loss types, comma separated (default 1 each).") var lossWeights: String?
    @Option(help: "β: strength of the KL regulariser (IPO's τ).") var beta: Double = 0.1
    @Option(help: "ε: label smoothing (cDPO, robust, exo_pair, aot, cpo/simpo).") var labelSmoothing: Double = 0
    @Option(help: "The f-divergence of f-DPO (js and alpha are short for js_divergence, alpha_divergence).")
    var fDivergence: FDivergence = .reverseKL
    @Option(help: "α of the alpha divergence.") var fAlpha: Double = 1
    @Option(help: "τ of discopop.") var discopopTau: Double = 0.05
    @Option(help: "γ, SimPO's target margin.") var simpoGamma: Double = 0.5
    @Option(help: "Weight of CPO's NLL term.") var cpoAlpha: Double = 1
    @Option(help: "SLiC's hinge margin δ.") var slicDelta: Double = 1
    @Option(help: "SLiC's NLL weight λ.") var slicLambda: Double = 1
    @Option(help: "DPOP's λ (0: off).") var dpopLambda: Double = 0
    @Flag(help: "ODPO: subtract each pair's margin (see --margin-field) inside the sigmoid.") var odpo = false
    @Option(help: "RPO: weight of the NLL on chosen completions (0: off).") var rpoAlpha: Double = 0
    @Flag(help: "Use a uniform reference (log πref = 0).") var referenceFree = false
    @Flag(help: "WPO: weight pairs by the policy's own probability of them.") var useWeighting = false
    @Option(help: "LD-DPO: weight of tokens beyond the shorter completion.") var ldAlpha: Double?
    @Option(help: "KTO: λD, weight of desirable examples.") var desirableWeight: Double = 1
    @Option(help: "KTO: λU, weight of undesirable examples.") var undesirableWeight: Double = 1

    func validate() throws {
        try validating { _ = try objective() }
    }

    /// KTO proper (which combines with nothing), or the weighted pairwise losses.
    func objective() throws -> DPOJob.Objective {
        if lossType.values.contains(.kto) {
            if lossType.values.count > 1 { throw PrefkitError("--loss-type kto does not combine with other losses") }
            if referenceFree { throw PrefkitError("KTO needs a reference model: not --reference-free") }
            return .kto(KTOLoss(beta: beta, desirableWeight: desirableWeight, undesirableWeight: undesirableWeight))
        }
        return .pairwise(try pairwiseConfig())
    }

    func pairwiseConfig() throws -> DPOLossConfig {
        var c = DPOLossConfig()
        c.types = lossType.values.compactMap { name in
            if case .pairwise(let t) = name { return t }
            return nil
        }
        c.weights = try lossWeights.map(Self.parseWeights) ?? [Double](repeating: 1, count: c.types.count)
        c.beta = beta
        c.labelSmoothing = labelSmoothing
        c.fDivergence = fDivergence
        c.fAlpha = fAlpha
        c.discopopTau = discopopTau
        c.simpoGamma = simpoGamma
        c.cpoAlpha = cpoAlpha
        c.slicDelta = slicDelta
        c.slicLambda = slicLambda
        c.dpopLambda = dpopLambda
        c.useOffsets = odpo
        c.rpoAlpha = rpoAlpha
        c.referenceFree = referenceFree
        try c.validate()
        return c
    }

    static func parseWeights(_ s: String) throws -> [Double] {
        try s.split(separator: ",").map { v in
            guard let d = Double(v.trimmingCharacters(in: .whitespaces)) else {
                throw PrefkitError("--loss-weights: \(v) is not a number")
            }
            return d
        }
    }
}
