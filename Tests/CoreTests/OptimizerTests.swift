import XCTest
import Foundation
import Core

/// AdamW, clipping and schedules against their closed forms (torch.optim.AdamW,
/// clip_grad_norm_, transformers' schedules), evaluated in Double.
final class OptimizerTests: XCTestCase {
    func testAdamWMatchesTorchFormula() {
        let lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1
        var p: [Double] = [0.5, -1.0, 2.0, 0.25]
        let grads: [[Double]] = [[0.1, -0.2, 0.3, 0.0], [0.05, 0.4, -0.3, 1.0], [-0.2, 0.1, 0.0, 0.5]]
        var m = [Double](repeating: 0, count: 4), v = m
        let params = FloatBuffer(count: 4), g = FloatBuffer(count: 4)
        for i in 0..<4 { params[i] = Float(p[i]) }
        // Element 3 sits in a no-decay group, like a norm weight.
        let opt = AdamW(size: 4, groups: [.init(offset: 0, count: 3, decay: true), .init(offset: 3, count: 1, decay: false)],
                        beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(wd))
        for (t, gr) in grads.enumerated() {
            for i in 0..<4 {
                g[i] = Float(gr[i])
                m[i] = b1 * m[i] + (1 - b1) * gr[i]
                v[i] = b2 * v[i] + (1 - b2) * gr[i] * gr[i]
                if i < 3 { p[i] *= 1 - lr * wd }
                let bc1 = 1 - pow(b1, Double(t + 1)), bc2 = 1 - pow(b2, Double(t + 1))
                p[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
            }
            opt.update(params: params.ptr, grads: g.ptr, lr: Float(lr))
        }
        assertClose(params.toArray(), p, rtol: 1e-6, "adamw 3 steps")
        XCTAssertEqual(opt.step, 3)
    }

    func testGradClip() {
        let g = FloatBuffer(count: 5)
        for (i, x) in [3.0, 4.0, 0, 12, 100].enumerated() { g[i] = Float(x) }
        let groups = [AdamW.Group(offset: 0, count: 4, decay: true)]   // element 4 is not trained
        XCTAssertEqual(GradClip.norm(g.ptr, groups: groups), 13, accuracy: 1e-9)
        let before = GradClip.clip(g.ptr, groups: groups, maxNorm: 1.3)
        XCTAssertEqual(before, 13, accuracy: 1e-9)
        XCTAssertEqual(GradClip.norm(g.ptr, groups: groups), 1.3, accuracy: 1e-5)
        XCTAssertEqual(g[4], 100, "untrained elements are left alone")
        XCTAssertEqual(GradClip.clip(g.ptr, groups: groups, maxNorm: 10), GradClip.norm(g.ptr, groups: groups), accuracy: 1e-9)
    }

    func testSchedules() {
        let cos = LRSchedule(kind: .cosine, peak: 1e-3, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(cos.rate(at: 0), 0)
        XCTAssertEqual(cos.rate(at: 5), 5e-4, accuracy: 1e-15)
        XCTAssertEqual(cos.rate(at: 10), 1e-3, accuracy: 1e-15)
        XCTAssertEqual(cos.rate(at: 60), 5e-4, accuracy: 1e-12)
        XCTAssertEqual(cos.rate(at: 35), 1e-3 * 0.5 * (1 + Foundation.cos(Double.pi * 0.25)), accuracy: 1e-12)
        XCTAssertEqual(cos.rate(at: 110), 0, accuracy: 1e-15)
        let lin = LRSchedule(kind: .linear, peak: 2.0, warmupSteps: 0, totalSteps: 4)
        XCTAssertEqual((0...4).map { lin.rate(at: $0) }, [2.0, 1.5, 1.0, 0.5, 0])
        let con = LRSchedule(kind: .constant, peak: 0.3, warmupSteps: 2, totalSteps: 9)
        XCTAssertEqual((0...3).map { con.rate(at: $0) }, [0, 0.15, 0.3, 0.3])
    }
}
