"""Incident → case (警情转案件): a station's 纠纷 incident becomes a dispute case in one action.

``models`` (``IncidentLink``, app label ``disputes``), ``services`` (``case_from_incident``,
``case_for_incident``), ``views`` and ``urls`` (the page at ``/cases/from-incident/<pk>/``,
namespace ``incident-cases``) and ``api`` (``POST /api/v1/incident-cases/``).
"""
