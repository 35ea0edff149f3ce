"""Risk → visit (风险 → 核查走访任务 → 到村/到网格核查): a 红/橙 case is owed a visit
(``RiskVisit``) by the grid's workers and the village's officers; a later village or grid
check-in completes it.

``models`` (``RiskVisit``, ``GridCheckIn``), ``services`` (the writes), ``selectors`` (the scoped
reads and the derived "done"), ``forms``, ``views`` / ``urls`` (the pages at ``/visits/``,
namespace ``visits``) and ``api`` (``/api/v1/visits/``). The periodic sweep is the Celery task
``patrols.visits_sweep`` in ``patrols/tasks.py``.
"""
