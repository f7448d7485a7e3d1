"""The analysis layer: what users do with scores.

Industry standards and compliance, gap analysis, peers, sensitivity of rankings, and the
operational statistics that turn service records into indicator values.  Depends on the
engines and the layers below them.
"""
