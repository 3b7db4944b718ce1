"""The report site: the published findings as static pages anyone can open, each number one click from its passage.

``tip-norway report`` (``make report``) builds ``output/site/`` from the last
published run: the executed notebooks named in ``output/published.json`` and
the four files each chart wrote into ``figures/``, with the curated data for
the provenance of every number and the dataset's downloads. It executes
nothing. See :mod:`analysis.report.site` for how and why.

Builds on :mod:`analysis.data` only; the runner's command line calls it.
"""

from .inputs import ReportError
from .site import build

__all__ = ["ReportError", "build"]
