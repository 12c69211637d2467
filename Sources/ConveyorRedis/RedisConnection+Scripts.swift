extension RedisConnection {
    /// Sends the `EVALSHA` commands of `scripts` in one pipeline; calls the server answers with `NOSCRIPT`
    /// are sent again, after a `SCRIPT LOAD` of their scripts, in a second pipeline.
    ///
    /// A script the server cannot load (a Lua syntax error) gets the error of its `SCRIPT LOAD` as its reply.
    ///
    /// - Parameters:
    ///   - scripts: the script of each command; `nil` for a command that runs no script.
    ///   - commands: the commands, encoded by the caller before coming to this thread.
    func evaluate(_ scripts: [RedisScript?], _ commands: [RedisCommand]) throws(RedisError) -> [RESPValue] {
        var replies = try self.pipeline(commands)
        let unknown = replies.indices.filter { scripts[$0] != nil && replies[$0].isNoScriptError }
        guard !unknown.isEmpty else {
            return replies
        }

        var seen = Set<RedisScript>()
        let missingScripts = unknown.compactMap { scripts[$0] }.filter { seen.insert($0).inserted }
        let loads = missingScripts.map { RedisCommand("SCRIPT", "LOAD", .string($0.source)) }
        let retried = try self.pipeline(loads + unknown.map { commands[$0] })

        var loadErrors: [String: RESPValue] = [:]
        for (script, reply) in zip(missingScripts, retried) where reply.isError {
            loadErrors[script.sha1] = reply
        }
        for (index, reply) in zip(unknown, retried.dropFirst(loads.count)) {
            replies[index] = scripts[index].flatMap { loadErrors[$0.sha1] } ?? reply
        }
        return replies
    }

    /// As ``evaluate(_:_:)``, then sends `wait`, a `WAIT`, in a round trip of its own, so that it
    /// follows the scripts reloaded after `NOSCRIPT` too; not when a cluster node sent every
    /// command elsewhere (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`), as none ran here.
    ///
    /// - Returns: the replies, and `WAIT`'s, nil without one.
    func evaluate(
        _ scripts: [RedisScript?], _ commands: [RedisCommand], thenSending wait: RedisCommand?
    ) throws(RedisError) -> (replies: [RESPValue], waited: RESPValue?) {
        let replies = try self.evaluate(scripts, commands)
        guard let wait, !replies.allSatisfy(\.isRefusalToRun) else {
            return (replies, nil)
        }
        return (replies, try self.send(wait))
    }
}

extension RESPValue {
    fileprivate var isError: Bool {
        if case .error = self {
            return true
        }
        return false
    }

    /// Whether the reply is a cluster node's refusal to run the command here (see ``RedisRedirection``).
    fileprivate var isRefusalToRun: Bool {
        if case .error(let message) = self {
            let code = message.prefix { $0 != " " }
            return code == "MOVED" || code == "ASK" || code == "TRYAGAIN" || code == "CLUSTERDOWN"
        }
        return false
    }

    fileprivate var isNoScriptError: Bool {
        if case .error(let message) = self {
            return message.hasPrefix("NOSCRIPT")
        }
        return false
    }
}
