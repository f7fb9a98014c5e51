"""The front ends over the Python API: the command line (:mod:`.cli`), the HTML report
(:mod:`.report`, :mod:`.render`), pandas frames (:mod:`.frame`), Dask (:mod:`.dask`), scoring
against gold sets (:mod:`.evaluate`) and progress bars (:mod:`.progress`). The core stages
(read, repair, extract, facts, dedup, output) never import from here, except the lazy notebook
display of :mod:`rare_earth_ie.models`."""
