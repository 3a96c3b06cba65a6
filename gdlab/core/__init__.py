"""The math: gradient descent written by hand in NumPy, and the theory it is checked against.

``model`` holds the four functions of the seed (predict, loss, gradients,
update); ``train`` loops over them, one epoch at a time; ``optimizers``,
``sums`` and ``batch`` are other update rules and named optimisations of that
loop; ``lstsq``, ``theory``, ``momentum`` (with ``swings`` and ``decay``), ``modes``,
``gradcheck`` and ``explain``
say what the loop should do before it runs; ``lrfind`` finds a rate the empirical way,
the range test. This layer imports only NumPy and other modules of ``gdlab.core``: it
never sees a file, a config object, a terminal or a figure. Progress leaves it through
a callback.
"""
