import pytest
from seqzoo.testing import check_oracle, check_plugin


def test_plugin_conforms():
    check_plugin("landscapes")


@pytest.mark.parametrize("spec", [
    "tfbind8",
    "tfbind8:tf=FOXC1_REF_R1",
    "aav",
    "aav:preset=spleen:0:735:0",
    "aav:phenotype=blood,start=560,end=588",
    "rna-binding",
    "rna-binding:preset=C20_L100_RNA1+2",
    "rna-binding:preset=L50_RNA3+4,workers=2",
])
def test_oracle_conforms(spec):
    check_oracle(spec, samples=32)
