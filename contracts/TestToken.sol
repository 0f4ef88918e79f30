// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A minimal ERC-20 for tests: any decimals, open minting, and the standard Transfer event.
/// Real USDT has 6 decimals on most chains and 18 on BNB Smart Chain; tests deploy both.
contract TestToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function mint(address to, uint256 value) external {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

interface IERC20Like {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// Pays through a contract, as exchanges, multisigs and payment routers do: the customer's
/// transaction calls this contract, not the token, so only the receipt's logs show the transfer.
contract Payer {
    function pay(IERC20Like token, address to, uint256 value) external {
        require(token.transferFrom(msg.sender, to, value), "transferFrom");
    }

    /// Two transfers to the same recipient in one transaction (the verifier sums them).
    function payInTwo(IERC20Like token, address to, uint256 first, uint256 second) external {
        require(token.transferFrom(msg.sender, to, first), "transferFrom");
        require(token.transferFrom(msg.sender, to, second), "transferFrom");
    }

    /// An exchange's batch withdrawal: one transaction, one transfer per recipient, each its own log.
    function batch(IERC20Like token, address[] calldata to, uint256[] calldata values) external {
        require(to.length == values.length, "lengths");
        for (uint256 i = 0; i < to.length; i++) {
            require(token.transferFrom(msg.sender, to[i], values[i]), "transferFrom");
        }
    }
}
