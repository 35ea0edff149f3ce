"""Incidents (警情): the pages (list with filters, detail with referral and the way to a dispute
case, record and edit) and the import of a 110 export with its progress and report.

``forms``, ``views``, ``urls`` (included by ``stations/urls.py`` at ``/stations/incidents/``) and
``imports`` (the import service, run at once or by the Celery task ``stations.import_incidents``).
The ``Incident`` and ``ImportJob`` models stay in ``stations/models.py``; the incident services and
scoped reads, which other apps call, stay in ``stations/services.py`` and ``stations/selectors.py``.
"""
