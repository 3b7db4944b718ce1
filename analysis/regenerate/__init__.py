"""The regeneration layer: running the notebooks through papermill, publishing figures, the command line.

- :mod:`.notebooks`: the notebooks and the parameters their ``parameters`` cells declare;
- :mod:`.parameter_input`: values as given (``-p``, YAML files); :mod:`.parameters`: checking them (names, types,
  what the data allow) before any kernel starts;
- :mod:`.lock`: one run at a time per output folder;
- :mod:`.execute`: one notebook, in-process with papermill, in a kernel of its own;
- :mod:`.publish`: swapping charts into ``figures/``;
- :mod:`.manifest`: the record of a run (:class:`.manifest.RunRecord`);
- :mod:`.run`: a whole run: what it is asked for and must do (:mod:`.selection`), how it ends (:mod:`.ending`);
  :mod:`.reference`: the committed reference outputs;
- :mod:`.sweep`: one notebook over a grid of values (:mod:`.grid`), its results as tables (:mod:`.sweep_results`);
- :mod:`.batch`: what a run and a sweep share (kernels at once, the folder, the progress line);
- :mod:`.cli`: the ``tip-norway`` command's options; :mod:`.commands`: what each subcommand does.
"""
