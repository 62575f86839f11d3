/// Supervised fine-tuning: mean negative log-likelihood over every scored token of an
/// optimizer step (TRL's SFTTrainer normalises by the tokens of the whole accumulated batch).
public final class SFTObjective: TrainObjective {
    public var trainingActivations: Activations? { engine.acts }
    public let model: Transformer
    public let engine: CausalLMEngine
    public let examples: [SFTExample]
    public let evalExamples: [SFTExample]
    public let evalBatchSize: Int
    /// Writes the model directory (weights, tokenizer, provenance) for a checkpoint or the end.
    public var saver: (Transformer, String, [String: Any]) throws -> Void

    public init(model: Transformer, examples: [SFTExample], evalExamples: [SFTExample] = [], evalBatchSize: Int = 8,
                saver: @escaping (Transformer, String, [String: Any]) throws -> Void) {
        self.model = model; self.examples = examples; self.evalExamples = evalExamples
        self.evalBatchSize = max(1, evalBatchSize); self.saver = saver
        engine = CausalLMEngine(model: model, training: true)
        model.enableGradients()
    }

    public var exampleCount: Int { examples.count }
    public var trainParams: FloatBuffer { model.params }
    public var trainGrads: FloatBuffer { model.grads! }
    public var trainGroups: [AdamW.Group] { AdamW.groups(for: model.layout) }

    public func tokenCount(_ idx: [Int]) -> Int { idx.reduce(0) { $0 + examples[$1].prompt.count + examples[$1].completion.count } }
    public func normalizer(_ idx: [Int]) -> Double { Double(idx.reduce(0) { $0 + examples[$1].scoredCount }) }

    static func batch(_ ex: [SFTExample]) -> CompletionBatch {
        var b = CompletionBatch()
        for e in ex { b.append(prompt: e.prompt, completion: e.completion) }
        return b
    }

    public func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        let b = Self.batch(idx.map { examples[$0] })
        let lp = engine.logProbs(b)
        let sum = lp.reduce(0.0) { $0 + Double($1) }
        engine.backward(b, coeff: [Float](repeating: Float(-1 / normalizer), count: lp.count))
        return ["loss": -sum / normalizer, "num_tokens": Double(lp.count)]
    }

    public func evaluate() throws -> [String: Double]? {
        guard !evalExamples.isEmpty else { return nil }
        var nll = 0.0, count = 0
        var i = 0
        while i < evalExamples.count {
            let b = Self.batch(Array(evalExamples[i..<min(evalExamples.count, i + evalBatchSize)]))
            for v in engine.logProbs(b) { nll -= Double(v); count += 1 }
            i += evalBatchSize
        }
        let loss = nll / Double(max(1, count))
        return ["loss": loss, "perplexity": exp(min(loss, 50))]
    }

    public func saveModel(to dir: String, provenance: [String: Any]) throws { try saver(model, dir, provenance) }
}

import Foundation
