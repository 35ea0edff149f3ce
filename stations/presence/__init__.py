"""Village presence (驻村签到, 一村一警、一村一辅警): an attached officer or auxiliary officer checks
in to a village from the phone; a monthly table shows the days per person and village against
``PRESENCE_MIN_DAYS``, and the ones behind are reminded from the 15th.

``services`` (check-in, reminders), ``selectors`` (the monthly table, the check-ins), ``forms``,
``views`` and ``urls`` (included by ``stations/urls.py``). The ``VillageVisit`` and
``VillageAssignment`` models stay in ``stations/models.py``.
"""
