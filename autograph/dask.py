"""`autograph.dask`: the public name of the Dask integration (`autograph.integrations.dask`).

Kept as its own module so that `import autograph.dask` works as the docs show, while
`import autograph` never imports Dask.
"""

from autograph.integrations.dask import *  # noqa: F401,F403
from autograph.integrations.dask import __all__  # noqa: F401
