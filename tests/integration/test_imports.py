def test_placeholder(db_session):
    pass
