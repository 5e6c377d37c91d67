// Rule storage reuse must never change a rule someone still holds.

import FMCCore
import Testing

@testable import FMCControl

@Suite("rule storage pool")
struct RulePoolTests {
    func make(_ pool: FlowRulePool?, _ loc: String) -> FlowRule {
        FlowRule(pool: pool, switchID: "s1", network: 1, priority: 100, match: FlowMatch(destination: FlowMatch.host(IPAddress(loc)!)),
                 actions: [.setDestination(IPAddress(loc)!), .output(.core)], kind: .csToLoc, role: .correspondent,
                 node: IPAddress("198.18.0.10"), cookie: 7)
    }

    @Test("a rule nobody holds is reused, and the new rule equals one made afresh")
    func reuse() {
        let pool = FlowRulePool()
        var a: FlowRule? = make(pool, "198.18.1.200")
        a!.tableSlot = 42
        pool.recycle(a.take()!)
        #expect(pool.spare.count == 1)
        let b = make(pool, "198.18.2.200")
        #expect(pool.spare.isEmpty)
        #expect(b == make(nil, "198.18.2.200"))
        #expect(b.tableSlot == -1, "the table slot of the old rule is not carried over")
        #expect(b.entryFingerprint == make(nil, "198.18.2.200").entryFingerprint)
    }

    @Test("a rule still held elsewhere is not reused")
    func held() {
        let pool = FlowRulePool()
        let kept = make(pool, "198.18.1.200")
        pool.recycle(kept)
        #expect(pool.spare.isEmpty)
        _ = make(pool, "198.18.3.200")
        #expect(kept == make(nil, "198.18.1.200"))
    }

    @Test("the pool keeps at most its limit")
    func limit() {
        let pool = FlowRulePool(limit: 2)
        for i in 0..<5 { pool.recycle(make(nil, "198.18.1.\(200 + i)")) }
        #expect(pool.spare.count == 2)
    }
}
