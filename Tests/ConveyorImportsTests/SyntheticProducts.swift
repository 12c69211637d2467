import ConveyorImports
import NIOCore

/// A products body of `count` rows of about 150 bytes, made piece by piece as it is read, so
/// that a million rows take no memory before they are sent.
struct SyntheticProducts: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let count: Int
    let format: ImportFormat
    /// Rows per piece: 400 rows are about 64 KiB.
    var rowsPerPiece = 400

    /// The sum of all prices, to check a load against.
    var priceSum: Int { (1...count).reduce(0) { $0 + Self.price($1) } }

    static func price(_ n: Int) -> Int { n % 100_000 }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: SyntheticProducts
        var next = 1
        var isOpen = false
        var isClosed = false

        mutating func next() async -> ByteBuffer? {
            var buffer = ByteBuffer()
            if !isOpen {
                isOpen = true
                switch body.format {
                case .csv: buffer.writeString("sku,name,category,price_cents,quantity,updated_at\n")
                case .jsonArray: buffer.writeString("[\n")
                case .ndjson: break
                }
            }
            let last = Swift.min(next + body.rowsPerPiece, body.count + 1)
            while next < last {
                Self.write(row: next, body.format, to: &buffer)
                if body.format == .jsonArray { buffer.writeString(next == body.count ? "\n" : ",\n") }
                next += 1
            }
            if next > body.count, !isClosed {
                isClosed = true
                if body.format == .jsonArray { buffer.writeString("]\n") }
                return buffer.readableBytes > 0 ? buffer : nil
            }
            return buffer.readableBytes > 0 ? buffer : nil
        }

        /// SKUs are shuffled (a multiplicative hash of the row number), as real imports are.
        static func write(row n: Int, _ format: ImportFormat, to buffer: inout ByteBuffer) {
            let sku = "SKU-\(n &* 2_654_435_761 % 4_294_967_296)-\(n)"
            let name = "Product \(n) with a name long enough to be realistic"
            let category = "category-\(n % 40)"
            let price = SyntheticProducts.price(n)
            switch format {
            case .csv:
                buffer.writeString("\(sku),\"\(name)\",\(category),\(price),\(n % 1000),2024-05-06T07:08:09Z\n")
            case .ndjson, .jsonArray:
                buffer.writeString(
                    #"{"sku":"\#(sku)","name":"\#(name)","category":"\#(category)","price_cents":\#(price),"quantity":\#(n % 1000),"updated_at":"2024-05-06T07:08:09Z"}"#
                )
                if format == .ndjson { buffer.writeString("\n") }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: self)
    }
}
