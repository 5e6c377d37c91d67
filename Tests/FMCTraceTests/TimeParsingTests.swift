// Exact time parsing shared by the trace readers.

import Testing

@testable import FMCTrace

@Suite("trace time parsing")
struct TimeParsingTests {
    @Test("seconds with fractions parse to exact nanoseconds")
    func seconds() {
        #expect(parseSecondsExact("12") == 12_000_000_000)
        #expect(parseSecondsExact("12.5") == 12_500_000_000)
        #expect(parseSecondsExact("0.000000001") == 1)
        #expect(parseSecondsExact("-0.25") == -250_000_000)
        #expect(parseSecondsExact("1.1234567891") == 1_123_456_789)
        #expect(parseSecondsExact("") == nil)
        #expect(parseSecondsExact("1.2.3") == nil)
        #expect(parseSecondsExact("abc") == nil)
        #expect(nanoseconds(fromSeconds: 1.5) == 1_500_000_000)
        #expect(nanoseconds(fromSeconds: .infinity) == nil)
    }
}
