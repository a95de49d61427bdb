"""Django's JSON serialization format with datetimes to the microsecond: the stock encoder
cuts them to the millisecond, so a backup restored gave back slightly different times (and
`dumpdata` comparisons failed whenever a row had been written at a sub-millisecond instant).
Registered as the ``json`` format in settings (SERIALIZATION_MODULES)."""

from __future__ import annotations

import datetime as dt

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class MicrosecondEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = MicrosecondEncoder


Deserializer = django_json.Deserializer
