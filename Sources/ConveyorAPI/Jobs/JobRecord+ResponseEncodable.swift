import ConveyorQueue
import Hummingbird

/// A job answers `GET /v1/jobs/{id}` as the JSON `conveyor job` prints.
extension JobRecord: ResponseGenerator {}
extension JobRecord: ResponseEncodable {}
