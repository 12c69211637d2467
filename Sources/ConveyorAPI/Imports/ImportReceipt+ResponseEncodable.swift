import ConveyorImports
import Hummingbird

/// An accepted import answers `POST /v1/imports/{dataset}`; its progress answers
/// `GET /v1/imports/{id}`.
extension ImportReceipt: ResponseEncodable {}
extension ImportProgress: ResponseEncodable {}
