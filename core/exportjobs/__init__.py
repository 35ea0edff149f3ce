"""Large exports in the background (issue 15): an ``ExportJob`` per request, written by a Celery
task in chunks while its page shows the progress, then downloaded by the one who asked.

``core`` knows no domain: the app that owns an export registers it (``registry``) from its
``AppConfig.ready`` with the scoped selector that reads its rows and the writer that streams
them (the case ledger: ``disputes.exports``). The pieces:

* ``models.ExportJob``: who asked, what (kind and the filters' query string), status, rows done
  and total, the file, the error, when;
* ``services.export_start`` (checks the user may export and the filters, then creates the job
  and owes the task through the outbox), ``export_run`` (the task's body: safe to run twice, it
  rewrites the file from scratch), ``export_rerun``, ``exports_expire`` (the hourly cleanup);
* ``selectors``: a job is its requester's alone (404 for anyone else);
* ``views``: the job page with its progress bar (htmx polling, a JSON status), the download.
"""
