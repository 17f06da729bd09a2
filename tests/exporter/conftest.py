def pytest_addoption(parser):
    parser.addoption("--flowgate", required=True, help="path of the flowgate binary under test")
