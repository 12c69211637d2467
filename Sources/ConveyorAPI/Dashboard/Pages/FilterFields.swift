import ConveyorQueue

/// The fields of the lists' filter forms that pick a queue or a tenant, the same on every page.
enum FilterFields {
    /// The field named `queue`: for an admin a list of the known queues, which the queues page
    /// shows anyway; for a producer a text field, so that no page lists other tenants' queue
    /// names. `blank` is the label of choosing none.
    static func queue(_ queues: [QueueName], selected: QueueName?, blank: String, visitor: DashboardVisitor) -> HTML {
        guard visitor.isAdmin else {
            return "<label>Queue <input type=\"text\" name=\"queue\" value=\"\(selected?.rawValue ?? "")\" placeholder=\"\(blank)\"></label>"
        }
        let options = queues.map { queue -> HTML in
            "<option value=\"\(queue.rawValue)\"\(selected == queue ? " selected" : "")>\(queue.rawValue)</option>"
        }
        return "<label>Queue <select name=\"queue\"><option value=\"\">\(blank)</option>\(options)</select></label>"
    }

    /// The field named `tenant`, an admin's alone: a producer sees its own tenant's rows only.
    /// `blank` says what leaving it empty shows.
    static func tenant(_ tenant: String?, blank: String, visitor: DashboardVisitor) -> HTML {
        visitor.isAdmin ? "<label>Tenant <input type=\"text\" name=\"tenant\" value=\"\(tenant ?? "")\" placeholder=\"\(blank)\"></label>" : .empty
    }
}
