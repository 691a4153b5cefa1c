"""Campaigns: design with the zoo, with a lab as the oracle.

``zoo campaign init`` starts a folder; ``propose`` writes the next round for the lab,
``measure`` logs its values, ``status`` shows where things stand, ``simulate`` plays the lab
with a registered oracle. From Python::

    from seqzoo.campaign import Campaign

    c = Campaign.init("campaign", "ga", batch_size=96, seed=0, like="aav:preset=...")
    path = c.propose()                  # round-00/proposals.csv: the starts to measure
    c.measure("lab/round-00.csv")       # or rows: [("SEQUENCE", 0.7), ...]
    c.status()

See docs/campaigns.md.
"""

from .campaign import Campaign, Measure
from .seal import EditedError

__all__ = ["Campaign", "Measure", "EditedError"]
