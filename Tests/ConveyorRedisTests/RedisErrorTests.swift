import ConveyorRedis
import Testing

@Suite struct RedisErrorTests {
    @Test(arguments: [
        (RedisError.Kind.connectionFailed, "cannot connect", true),
        (.connectionLost, "lost the connection", true),
        (.timeout, "did not answer", true),
        (.server, "LOADING Redis is loading the dataset in memory", true),
        (.server, "BUSY Redis is busy running a script", true),
        (.server, "TRYAGAIN Multiple keys request during rehashing of slot", true),
        (.server, "MASTERDOWN Link with MASTER is down", true),
        (.server, "READONLY You can't write against a read only replica.", true),
        (.server, "ERR unknown command 'NOPE'", false),
        (.server, "WRONGTYPE Operation against a key holding the wrong kind of value", false),
        (.server, "BUSYGROUP Consumer Group name already exists", false),
        (.protocol, "invalid reply", false),
        (.shutdown, "shut down", false),
    ])
    func retryability(_ kind: RedisError.Kind, _ message: String, _ isRetryable: Bool) {
        #expect(RedisError(kind: kind, message: message).isRetryable == isRetryable)
    }

    @Test func serverErrorDescriptionQuotesTheReply() {
        let error = RedisError(kind: .server, message: "ERR wrong number of arguments")
        #expect(error.description == "Redis replied with an error: ERR wrong number of arguments")
    }
}
