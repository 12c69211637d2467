import ConveyorExternal
import Testing

@Suite struct ExternalURLTests {
    @Test func theDependencyIsTheHostWithAPortOtherThanTheDefault() throws {
        #expect(try ExternalURL("https://Hooks.Example.com/a?b=c").dependency == "hooks.example.com")
        #expect(try ExternalURL("https://hooks.example.com:443/a").dependency == "hooks.example.com")
        #expect(try ExternalURL("http://hooks.example.com:80/").dependency == "hooks.example.com")
        #expect(try ExternalURL("http://127.0.0.1:8089/hook").dependency == "127.0.0.1:8089")
        #expect(try ExternalURL("https://example.com:8443").dependency == "example.com:8443")
    }

    @Test(arguments: [
        ("ftp://example.com/file", "is not an http or https URL"),
        ("/relative/path", "is not an absolute URL"),
        ("example.com/hook", "is not an absolute URL"),
        ("http:///no-host", "has no host"),
        ("", "is not an absolute URL"),
    ])
    func otherURLsAreRefusedSayingWhy(url: String, problem: String) {
        #expect {
            try ExternalURL(url)
        } throws: { error in
            String(describing: error).contains(problem)
        }
    }

    @Test func aVeryLongURLIsRefused() {
        let url = "https://example.com/" + String(repeating: "a", count: ExternalURL.maxLength)
        #expect(throws: ExternalURLError.self) { try ExternalURL(url) }
    }
}
