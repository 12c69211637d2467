/// The form that finds a job by id, and what else the dashboard can search by.
enum JobLookup {
    static var form: HTML {
        """
        <form class="lookup" method="get" action="/ui/jobs"><label>Job id \
        <input type="text" name="id" placeholder="default.01J…" required pattern="[a-z0-9_#-]+\\.[0-9A-Za-z]{26}"></label>\
        <button type="submit">Open</button></form>
        """
    }

    static var searchable: HTML {
        """
        <p class="hint">What can be searched: a job by its id (every job until its retention passes); dead jobs by queue and kind \
        on the <a href="/ui/dead">dead page</a>. The queue keeps no index of waiting, scheduled or retrying jobs by state, kind, \
        tenant or request id, so those are not searchable here; a job's request id is on its page and in its worker's timing line.</p>
        """
    }
}
