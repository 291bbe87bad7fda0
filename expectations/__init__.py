"""Data quality of the lakehouse: Great Expectations suites as code, the frames they validate, the
validation run behind ``etlstack validate`` and the offline Data Docs."""
