/// The OpenAPI 3.1 document of the API, `openapi.json` beside this file, embedded in the
/// binary. A test checks that it names every route the router has, and no other.
public enum OpenAPIDocument {
    public static let bytes: [UInt8] = PackageResources.openapi_json
}
