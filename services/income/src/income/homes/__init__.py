"""The homes income knows of, projected from compliance's asset register."""
