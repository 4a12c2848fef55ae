//! Other agencies' formats: STIX 2.1, MISP, FollowTheMoney, CSV, GraphML, i2 ANX, timeline
//! CSV. One file per format. Knows nothing of terminals.
