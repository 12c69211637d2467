import ConveyorExports
import Hummingbird

extension ExportRecord: ResponseEncodable {}
