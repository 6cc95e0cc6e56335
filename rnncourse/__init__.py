"""Shared helpers of the course "Recurrent neural networks, from NumPy to TensorFlow".

Submodules (import the one you need, e.g. ``from rnncourse import data``):

- ``activations``: NumPy activations used by the NumPy exercises.
- ``data``: loaders for the course data sets and the Fibonacci-style generator.
- ``windows``: cutting a series into (window, next value) pairs.
- ``tasks``: synthetic sequence tasks the chapters train and grade on.
- ``imdb``: the course's IMDB review classifier and its parameter counts, built once.
- ``keras_bridge``: moving weights and sequences between the course layout and Keras.
- ``plotting``: series plots and the RNN diagrams of the book.
- ``grading``: the checks the assignment notebooks run.
"""

__version__ = "0.1.0"
