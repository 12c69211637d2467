/// The release this binary is, as `conveyor --version` prints it.
enum ConveyorVersion {
    static let current = "0.19.0"
}
