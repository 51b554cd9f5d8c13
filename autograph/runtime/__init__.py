"""Calling a converted function: conversion of the source, specialisation per signature,
the backend registry, call guards, `optimize=` options, grad and pickling.
"""
