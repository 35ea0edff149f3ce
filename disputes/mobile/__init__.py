"""Phone pages for grid workers (网格员), mounted at ``/m/`` (namespace ``mobile``): ``forms``
(the report form), ``views`` and ``urls``. Reads and writes go through the app's selectors and
services; this package holds no models of its own.
"""
