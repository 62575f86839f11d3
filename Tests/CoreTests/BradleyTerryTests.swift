import XCTest
import Foundation
import Core

/// The Bradley–Terry pair loss against its formula and its derivatives against finite differences.
final class BradleyTerryTests: XCTestCase {
    func direct(_ rc: Double, _ rr: Double, _ m: Double, _ c: Double) -> Double {
        -log(1 / (1 + exp(-(rc - rr - m)))) + c * (rc + rr) * (rc + rr)
    }

    func testValueMatchesFormula() {
        for (rc, rr, m, c) in [(0.3, -0.2, 0.0, 0.0), (1.5, 2.0, 0.5, 0.01), (-1.0, 0.7, -0.3, 0.1), (0.0, 0.0, 0.0, 0.0)] {
            let t = BradleyTerry.pair(chosen: rc, rejected: rr, margin: m, centerCoefficient: c)
            XCTAssertEqual(t.loss, direct(rc, rr, m, c), accuracy: 1e-12, "loss at \(rc), \(rr), \(m), \(c)")
        }
        XCTAssertEqual(BradleyTerry.pair(chosen: 0, rejected: 0).loss, log(2), accuracy: 1e-15)
    }

    func testGradientsMatchFiniteDifferences() {
        let h = 1e-6
        for (rc, rr, m, c) in [(0.3, -0.2, 0.0, 0.0), (1.5, 2.0, 0.5, 0.01), (-1.0, 0.7, -0.3, 0.1), (4.0, -3.0, 1.0, 0.05)] {
            let t = BradleyTerry.pair(chosen: rc, rejected: rr, margin: m, centerCoefficient: c)
            let fc = (direct(rc + h, rr, m, c) - direct(rc - h, rr, m, c)) / (2 * h)
            let fr = (direct(rc, rr + h, m, c) - direct(rc, rr - h, m, c)) / (2 * h)
            XCTAssertEqual(t.dChosen, fc, accuracy: 1e-7, "d/dr_chosen at \(rc), \(rr)")
            XCTAssertEqual(t.dRejected, fr, accuracy: 1e-7, "d/dr_rejected at \(rc), \(rr)")
        }
    }

    /// Far-apart rewards must not overflow: the loss tends to 0 or to |z|, the gradient to 0 or ∓1.
    func testStableForLargeDifferences() {
        let good = BradleyTerry.pair(chosen: 500, rejected: -500)
        XCTAssertEqual(good.loss, 0, accuracy: 1e-300); XCTAssertEqual(good.dChosen, 0, accuracy: 1e-300)
        let bad = BradleyTerry.pair(chosen: -500, rejected: 500)
        XCTAssertEqual(bad.loss, 1000, accuracy: 1e-9)
        XCTAssertEqual(bad.dChosen, -1, accuracy: 1e-12); XCTAssertEqual(bad.dRejected, 1, accuracy: 1e-12)
    }
}
